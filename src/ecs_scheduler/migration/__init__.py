"""Bringing what already runs under management: ``convert`` turns EventBridge Scheduler
schedules and EventBridge rules with ECS targets into a config; ``handover`` computes the
instant an old schedule or rule hands over to its replacement. Both are pure (no boto3)."""
