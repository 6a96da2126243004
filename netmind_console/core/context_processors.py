from django.conf import settings


def console(request):
    return {"console_sandbox": settings.CONSOLE_SANDBOX}
