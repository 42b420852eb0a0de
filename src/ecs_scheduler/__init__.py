"""ecs-scheduler: scheduled ECS tasks on AWS EventBridge Scheduler, secure by default."""

__version__ = "0.1.0"
