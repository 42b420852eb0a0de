"""The expression layer's single exception type."""

from ecs_scheduler.errors import EcsSchedulerError


class ExpressionError(EcsSchedulerError):
    """A schedule expression or time zone that AWS EventBridge Scheduler would reject.

    The message is complete and user-facing; when several parts of one expression are wrong,
    it lists every problem, separated by ``"; "``, and ``problems`` holds them one by one.
    """

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems
        super().__init__("; ".join(problems))
