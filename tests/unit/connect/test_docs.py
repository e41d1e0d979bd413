"""Generated docs: the committed pages match the code, and the checker notices when they do not."""

from __future__ import annotations

from typing import Any, ClassVar

from connect import docs
from connect.config import NO_DEFAULT, ConfigDef, Importance, Range, Type, ValidString
from connect.plugins import PluginKind, PluginRegistry
from connect.spi import Transformation


def test_committed_docs_match_the_registered_plugins():
    problems = docs.check()
    assert not problems, "docs/ is out of date; run `python -m connect.docs` and commit:\n" + "\n".join(problems)


class Shout(Transformation):
    """A plugin known only to this test."""

    aliases: ClassVar[tuple[str, ...]] = ("org.example.Shout",)
    doc: ClassVar[str] = "Upper-cases string values. Handy | rarely.\n\n```\ntransforms.s.type=Shout\n```"
    config_def: ClassVar[ConfigDef] = (
        ConfigDef()
        .define("field", Type.STRING, NO_DEFAULT, Importance.HIGH, "Field to change.", group="Main")
        .define("times", Type.INT, 1, Importance.LOW, "How many | times.", validator=Range.between(1, 3), group="Main")
        .define("mode", Type.STRING, "all", Importance.LOW, "Which <values>.", validator=ValidString.in_("all", "some"))
    )

    def apply(self, record: Any) -> Any:
        return record


def registry() -> PluginRegistry:
    return PluginRegistry.of({PluginKind.TRANSFORMATION: {"Shout": Shout}})


def test_a_plugin_page_has_its_names_doc_and_every_key():
    page = docs.generate(registry())["plugins/transforms/Shout.md"]
    assert page.splitlines()[2] == "# Shout"
    assert "`org.example.Shout`" in page and "transforms.s.type=Shout" in page
    assert "### Main" in page
    assert "| `field` | string | *required* |  | high | Field to change. |" in page
    assert "| `times` | int | `1` | [1,...,3] | low | How many \\| times. |" in page
    assert "| `mode` | string | `all` | one of `all`, `some` | low | Which &lt;values&gt;. |" in page
    index = docs.generate(registry())["plugins/README.md"]
    assert "| [`Shout`](transforms/Shout.md) | transformation | Upper-cases string values. |" in index


def test_check_lists_missing_stale_and_orphan_pages_and_write_fixes_them(tmp_path):
    reg = registry()
    assert "wrote plugins/transforms/Shout.md" in docs.write(tmp_path, reg)
    assert docs.check(tmp_path, reg) == []
    (tmp_path / "plugins/transforms/Shout.md").write_text("hand edited\n")
    (tmp_path / "config/worker.md").unlink()
    (tmp_path / "plugins/transforms/Gone.md").write_text("a plugin that was removed\n")
    assert docs.check(tmp_path, reg) == [
        "missing: config/worker.md",
        "stale: plugins/transforms/Shout.md",
        "no such plugin any more: plugins/transforms/Gone.md",
    ]
    docs.write(tmp_path, reg)
    assert docs.check(tmp_path, reg) == []
    assert not (tmp_path / "plugins/transforms/Gone.md").exists()


def test_check_command_exits_non_zero_when_stale(tmp_path, capsys):
    assert docs.main(["--check", "--docs-dir", str(tmp_path)]) == 1
    assert "missing: plugins/README.md" in capsys.readouterr().out
    assert docs.main(["--docs-dir", str(tmp_path)]) == 0
    assert docs.main(["--check", "--docs-dir", str(tmp_path)]) == 0
