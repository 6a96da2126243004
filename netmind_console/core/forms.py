"""Form helpers shared by every app's views."""


def submitted(request):
    """The form data of a POST, even an empty one, else None.

    `request.POST or None` would leave a form posted with no fields unbound: shown again without a word
    about what is missing. A bound empty form names every required field.
    """
    return request.POST if request.method == "POST" else None
