"""``python -m ecs_scheduler``: the same command line as the ``ecs-scheduler`` script."""

from ecs_scheduler.cli import main

main()
