"""Where the apps plug into the project without the project importing them (layering: core never imports
an app). Each app registers in its `AppConfig.ready()`: its recurring tasks, and what it adds to pages that
core, accounts and workspaces render (the dashboard, the settings page, the members page)."""

from collections.abc import Callable

# name -> (dotted path of the task, minutes between runs)
RECURRING: dict[str, tuple[str, int]] = {}

# page name -> functions of the request (its user and current workspace) that return context for that page
_PAGE_CONTEXT: dict[str, list[Callable[[object], dict]]] = {}


def register_schedule(name: str, task_path: str, minutes: int):
    RECURRING[name] = (task_path, minutes)


def register_page_context(page: str, provider: Callable[[object], dict]):
    if provider not in _PAGE_CONTEXT.setdefault(page, []):
        _PAGE_CONTEXT[page].append(provider)


def page_context(page: str, request) -> dict:
    """Everything the apps add to `page` for this request, merged."""
    context = {}
    for provider in _PAGE_CONTEXT.get(page, []):
        context.update(provider(request))
    return context
