"""The planning service: a scenario store, runs on workers, an HTTP API, users and tokens.

The service calls the command line for every job (a worker runs ``rackforge JOB`` on a copy
of the stored scenario), so that a run's documents and files are exactly the command's.
``docs/service.md`` describes it; ``rackforge serve`` starts it.
"""
