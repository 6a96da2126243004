class EndpointError(Exception):
    """An operation the endpoint's current state does not allow; the message is for a person."""
