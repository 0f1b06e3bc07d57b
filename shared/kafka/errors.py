"""The broker's failures as the rest of the code sees them: importable without loading
kafka-python (a command that only reads the database starts faster)."""


class BrokerUnavailable(RuntimeError):
    """The broker could not be reached or did not answer in time."""


class NotAuthorized(BrokerUnavailable):
    """The broker refused this principal: wrong credentials, or no ACL allows the request."""


class PublishFailed(BrokerUnavailable):
    """Messages queued for sending were not acknowledged (the first failure is named)."""
