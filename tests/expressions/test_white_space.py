"""White space in expressions, as EventBridge Scheduler takes it (sources: docs/expressions.md).

AWS's recorded answers (LocalStack's AWS-validated snapshot of CreateSchedule, 2025-01-26)
reject ' rate(10 minutes)' and 'rate( 10 minutes )'; the parser once accepted the second.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecs_scheduler.expressions import ExpressionError, parse

ONE_SPACE = (
    "rate: separate the fields with exactly one space (no tabs, line breaks or repeated spaces):"
)
VALID = ("cron(0 6 ? * MON-FRI *)", "rate(10 minutes)", "at(2030-03-01T02:30:00)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Recorded AWS answers: ValidationException.
        (
            "rate( 10 minutes )",
            "rate: no space directly inside the parentheses: write 'rate(10 minutes)'",
        ),
        (
            " rate(10 minutes)",
            "' rate(10 minutes)' has white space before or after the expression:"
            " write 'rate(10 minutes)'",
        ),
        # The same rules for every kind of expression, and for trailing white space.
        (
            "rate(10 minutes) ",
            "'rate(10 minutes) ' has white space before or after the expression:"
            " write 'rate(10 minutes)'",
        ),
        (
            "rate(10 minutes )",
            "rate: no space directly inside the parentheses: write 'rate(10 minutes)'",
        ),
        (
            "rate(\t10 minutes)",
            "rate: no space directly inside the parentheses: write 'rate(10 minutes)'",
        ),
        (
            "cron( 0 6 * * ? *)",
            "cron: no space directly inside the parentheses: write 'cron(0 6 * * ? *)'",
        ),
        (
            "cron(0 6 * * ? * )",
            "cron: no space directly inside the parentheses: write 'cron(0 6 * * ? *)'",
        ),
        (
            "\tcron(0 6 * * ? *)\n",
            "has white space before or after the expression: write 'cron(0 6 * * ? *)'",
        ),
        (
            "at( 2030-03-01T02:30:00)",
            "at: no space directly inside the parentheses: write 'at(2030-03-01T02:30:00)'",
        ),
        (
            "at(2030-03-01T02:30:00) ",
            "has white space before or after the expression: write 'at(2030-03-01T02:30:00)'",
        ),
        # Doubled spaces, tabs and line breaks between fields.
        (
            "rate(10  minutes)",
            ONE_SPACE + " write 'rate(10 minutes)'",
        ),
        (
            "rate(10\tminutes)",
            ONE_SPACE + " write 'rate(10 minutes)'",
        ),
        (
            "cron(0  6   *  * ? *)",
            "cron" + ONE_SPACE[4:] + " write 'cron(0 6 * * ? *)'",
        ),
        ("cron(0\t6 * * ? *)", "write 'cron(0 6 * * ? *)'"),
        ("cron(0 6 * *\n? *)", "write 'cron(0 6 * * ? *)'"),
    ],
)
def test_white_space_aws_rejects_is_an_error_saying_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse(text)
    assert message in str(raised.value)


@pytest.mark.parametrize("text", VALID)
def test_single_spaces_between_fields_are_valid(text: str) -> None:
    assert parse(text).text == text


@given(
    st.sampled_from(VALID),
    st.text(alphabet=" \t\n", min_size=1, max_size=3),
    st.sampled_from(["before", "after", "inside-left", "inside-right"]),
)
def test_any_extra_white_space_around_or_inside_the_parentheses_is_refused(
    text: str, extra: str, where: str
) -> None:
    keyword, _, rest = text.partition("(")
    body = rest[:-1]
    changed = {
        "before": extra + text,
        "after": text + extra,
        "inside-left": f"{keyword}({extra}{body})",
        "inside-right": f"{keyword}({body}{extra})",
    }[where]
    with pytest.raises(ExpressionError):
        parse(changed)
