"""The model catalogue from the command line: `catalogue add FILE.json`, `list [--json]`, `disable MODEL_ID`, and
`enable`, `remove`, `show` to go with them. The same checks and history as the Models page (catalogue/registry.py)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jobs import catalogue
from jobs.catalogue import documents, registry
from netmind_console.core.commands import name_text


class Command(BaseCommand):
    help = "Add, list, edit, disable, enable or remove the models jobs can use (JSON documents: docs/catalogue/)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        add = actions.add_parser("add", help="Add a model from its JSON document (--replace to edit one)",
                                 called_from_command_line=parser.called_from_command_line)
        add.add_argument("file", type=name_text)
        add.add_argument("--replace", action="store_true", help="Replace the document of a model the catalogue has")
        listing = actions.add_parser("list", help="The models, enabled and disabled",
                                     called_from_command_line=parser.called_from_command_line)
        listing.add_argument("--json", action="store_true", help="Each model's document, with `enabled` beside it")
        for name, words in (("disable", "Stop offering a model for new jobs (its jobs stay)"),
                            ("enable", "Offer a disabled model again"),
                            ("remove", "Remove an added model, or restore a shipped one as it ships"),
                            ("show", "Print a model's document")):
            action = actions.add_parser(name, help=words, called_from_command_line=parser.called_from_command_line)
            action.add_argument("model_id", type=name_text)

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _add(self, file, replace, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {str(path)[:200]}: {getattr(error, 'strerror', None) or error}.") from None
        try:
            document = documents.parse(text)
            registry.save(document, replacing=document["model_id"] if replace else None)
        except documents.DocumentRefused as refused:
            raise CommandError("Not added. " + " ".join(f"{str(problem).rstrip('.')}."
                                                        for problem in refused.problems)) from None
        self.stdout.write(f"{'Replaced' if replace else 'Added'} {document['model_id']} ({document['label']}).")

    def _list(self, json, **options):
        rows = [(spec, registry.is_enabled(spec.key)) for spec in _every_spec()]
        if json:
            self.stdout.write(_dumps([{**registry.document(spec.key), "enabled": enabled} for spec, enabled in rows]))
            return
        for spec, enabled in rows:
            self.stdout.write(f"{spec.key}\t{spec.label}\t{spec.output_kind}\t{spec.adapter}\t"
                              f"{'enabled' if enabled else 'disabled'}")

    def _disable(self, model_id, **options):
        self._toggle(model_id, enabled=False)

    def _enable(self, model_id, **options):
        self._toggle(model_id, enabled=True)

    def _toggle(self, model_id, enabled):
        if not registry.set_enabled(model_id, enabled):
            raise CommandError(_unknown(model_id))
        self.stdout.write(f"{model_id} {'enabled' if enabled else 'disabled'}.")

    def _remove(self, model_id, **options):
        if not registry.remove(model_id):
            known = model_id in registry.SHIPPED_DOCUMENTS
            raise CommandError(f"{model_id} ships with the console and is as it ships; disable it instead."
                               if known else _unknown(model_id))
        restored = model_id in registry.SHIPPED_DOCUMENTS
        self.stdout.write(f"{model_id} {'restored as it ships' if restored else 'removed; its jobs stay'}.")

    def _show(self, model_id, **options):
        document = registry.document(model_id)
        if document is None:
            raise CommandError(_unknown(model_id))
        self.stdout.write(_dumps(document))


def _every_spec():
    return [catalogue.get(model_id) for model_id in registry.every_model_id()]


def _unknown(model_id: str) -> str:
    return f"The catalogue has no model {model_id[:200]!r}; see `catalogue list`."


def _dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
