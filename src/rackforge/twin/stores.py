"""The parts stores of a line: stock by part, and the units waiting for their kits.

A unit released into a routing takes its kit (:attr:`rackforge.twin.spec.Material.kits`)
before its first step. Units of one routing are kitted in release order: a unit that finds
a part short waits, and the units behind it wait too (a kitting area works its pick list in
order; letting a later unit jump the queue would hide the shortage). Whenever stock of a
part goes up, the routings that use it kit as many of their waiting units as it allows, in
routing order.

A planned shipment holds its quantity from the start of the week it is due in (it is due at
the week's end, when the week's work is done): from then on kits take only the stock above
what the week's shipments hold, so a kit released on Monday does not take the trays a
transfer or a delivery is to take on Friday (the plan's stock balance counts both in the
week). What the shipment cannot take when it is due is owed, and stock that comes in serves
what is owed before any kit.

The stores measure, over the window ``[warmup_h, horizon_h]``, the hours units waited for
kits by routing and by the part that held them up (the first part found short at the last
try), so an answer can name the part behind a late rack, and the units of planned shipments
due in the window that are still owed at its end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from rackforge.twin.spec import Material

#: Stock within this of a kit's need counts as enough (fractional plan quantities).
TOL = 1e-9

#: Called when unit ``j`` of routing ``r`` has its kit at time ``t``: ``admit(t, j, r)``.
Admit = Callable[[float, int, int], None]

#: Called when ``qty`` of a transfer leaves at ``t`` for part ``to``, ``lead_h`` on the
#: way: ``send(t, to, qty, lead_h)``.
Send = Callable[[float, int, float, float], None]


class _Owed:
    """A planned shipment's quantity still to leave."""

    __slots__ = ("due", "lead", "qty", "to")

    def __init__(self, due: float, qty: float, to: int, lead: float) -> None:
        self.due, self.qty, self.to, self.lead = due, qty, to, lead


class Stores:
    """Stock on hand and kit queues; see the module docstring."""

    def __init__(
        self,
        material: Material,
        admit: Admit,
        warmup_h: float,
        horizon_h: float,
        send: Send | None = None,
    ):
        self.stock = list(material.on_hand)
        # (part, qty, qty less the tolerance): the test and the take of the hot path
        self.kits = [tuple((p, q, q - TOL) for p, q in kit) for kit in material.kits]
        self.makes = material.makes
        self.admit = admit
        self.send = send
        self.tw, self.horizon = warmup_h, horizon_h
        self.waiting: list[deque[tuple[int, float]]] = [deque() for _ in material.kits]
        self.users: list[list[int]] = [[] for _ in material.parts]
        for r, kit in enumerate(material.kits):
            for p, _ in kit:
                if r not in self.users[p]:
                    self.users[p].append(r)
        self.blocker = [-1] * len(material.kits)  # the part short at a routing's last try
        self.route_wait_h = [0.0] * len(material.kits)
        self.part_wait_h = [0.0] * len(material.parts)
        self.held = [0.0] * len(material.parts)  # for shipments due later this week
        self.owed: list[deque[_Owed]] = [deque() for _ in material.parts]
        self.shipped_short = [0.0] * len(material.parts)  # owed at the horizon (close)

    def request(self, t: float, r: int, j: int) -> None:
        """Unit ``j`` of routing ``r`` is released at ``t`` and asks for its kit."""
        queue = self.waiting[r]
        if not queue and self._take(r):
            self.admit(t, j, r)
        else:
            queue.append((j, t))

    def take_ahead(self, r: int, n: int) -> int:
        """Kits for up to ``n`` units of routing ``r`` released from now on, taken now, in
        order, while there are enough (the line kits a block of releases ahead only where
        nothing else takes these parts, :meth:`Material.kits_alone`); how many were taken."""
        if self.waiting[r]:
            return 0
        taken = 0
        while taken < n and self._take(r):
            taken += 1
        return taken

    def put(self, t: float, part: int, qty: float) -> None:
        """``qty`` of ``part`` comes into stock at ``t``."""
        self.stock[part] += qty
        if self.owed[part]:
            self._settle(t, part)
        for r in self.users[part]:
            if self.waiting[r]:
                self._drain(t, r)

    def hold(self, part: int, qty: float) -> None:
        """A shipment of ``qty`` of ``part`` is due later this week: kits leave it to it."""
        self.held[part] += qty

    def ship(
        self,
        t: float,
        part: int,
        qty: float,
        to: int = -1,
        lead_h: float = 0.0,
        held: bool = False,
    ) -> None:
        """A planned shipment of ``qty`` (to part ``to`` after ``lead_h``; -1: out of the
        line) is due at ``t``: it takes what is there and owes the rest (``held``: its
        quantity was held for it, :meth:`hold`, and is now released)."""
        if held:
            left = self.held[part] - qty
            self.held[part] = left if left > TOL else 0.0
        self.owed[part].append(_Owed(t, qty, to, lead_h))
        self._settle(t, part)

    def _settle(self, t: float, part: int) -> None:
        """Send what stock of ``part`` allows of its shipments owed, oldest first."""
        owed = self.owed[part]
        while owed and self.stock[part] > TOL:
            due = owed[0]
            taken = min(self.stock[part], due.qty)
            self.stock[part] -= taken
            due.qty -= taken
            if due.qty <= TOL:
                owed.popleft()
            if due.to >= 0 and self.send is not None:
                self.send(t, due.to, taken, due.lead)

    def made(self, t: float, r: int) -> None:
        """A good unit of routing ``r`` leaves the line at ``t``."""
        part = self.makes[r]
        if part >= 0:
            self.put(t, part, 1.0)

    def close(self) -> None:
        """Book the waits of units still waiting for kits at the horizon, and the shipments
        due in the window and still owed."""
        for r, queue in enumerate(self.waiting):
            for _, t0 in queue:
                self._book(r, t0, self.horizon)
        for part, owed in enumerate(self.owed):
            self.shipped_short[part] = sum(
                o.qty for o in owed if self.tw <= o.due <= self.horizon and o.qty > TOL
            )

    def _take(self, r: int) -> bool:
        stock, held = self.stock, self.held
        kit = self.kits[r]
        for p, _, need in kit:
            if stock[p] - held[p] < need:
                self.blocker[r] = p
                return False
        for p, q, _ in kit:
            left = stock[p] - q
            stock[p] = left if left > 0.0 else 0.0
        return True

    def _drain(self, t: float, r: int) -> None:
        queue = self.waiting[r]
        while queue and self._take(r):
            j, t0 = queue.popleft()
            self._book(r, t0, t)
            self.admit(t, j, r)

    def _book(self, r: int, t0: float, t: float) -> None:
        lo = t0 if t0 > self.tw else self.tw
        hi = t if t < self.horizon else self.horizon
        if hi > lo:
            self.route_wait_h[r] += hi - lo
            if self.blocker[r] >= 0:
                self.part_wait_h[self.blocker[r]] += hi - lo
