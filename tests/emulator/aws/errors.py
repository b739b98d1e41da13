"""The one exception type every handler raises to answer an AWS error."""


class AwsError(Exception):
    """An error answered to the client exactly as AWS would.

    code    -- the AWS error code (``NoSuchEntity``, ``Throttling`` ...)
    message -- the human-readable message
    status  -- the HTTP status
    extra   -- extra members for REST-JSON error bodies
    """

    def __init__(self, code, message, status=400, extra=None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra or {}

    @property
    def sender_fault(self):
        return self.status < 500


def validation_error(messages):
    n = len(messages)
    head = f"{n} validation error{'s' if n != 1 else ''} detected: "
    return AwsError("ValidationError", head + "; ".join(messages), 400)


def no_such_entity(message):
    return AwsError("NoSuchEntity", message, 404)


def already_exists(message):
    return AwsError("EntityAlreadyExists", message, 409)


def malformed(message):
    return AwsError("MalformedPolicyDocument", message, 400)


def limit_exceeded(message):
    return AwsError("LimitExceeded", message, 409)


def delete_conflict(message):
    return AwsError("DeleteConflict", message, 409)


def invalid_input(message):
    return AwsError("InvalidInput", message, 400)


def access_denied(message):
    return AwsError("AccessDenied", message, 403)
