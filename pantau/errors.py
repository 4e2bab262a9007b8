"""The error every subsystem raises for a mistake the user can fix.

The CLI prints such an error as one line (what is wrong, what to do) and exits
non-zero, without a traceback::

    >>> raise UserError("stream URL must be http(s): file:///etc/passwd")
    Traceback (most recent call last):
    ...
    pantau.errors.UserError: stream URL must be http(s): file:///etc/passwd
"""

__all__ = ["UserError"]


class UserError(Exception):
    """A problem with the user's input, configuration or environment."""
