"""The README and docs/ are the reference: these tests keep what they name real.

- every relative link in README.md and docs/**/*.md leads to a file that exists, and an
  ``#anchor`` to a heading of that file (GitHub's heading ids);
- every ``socialgit COMMAND [SUBCOMMAND] --option`` written in code (a code span or a code
  block) is a command of the click app with that option;
- docs/cli.md names every command and every option the app has, under the command's heading;
- every registered network has docs/networks/NAME.md, linked from docs/networks/README.md,
  naming each of its settings.

Each checker returns what it found wrong, so the tests at the end can show that a dead link
or an unknown command is caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from providers import PROVIDERS
from socialgit.cli import _register_extensions, cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])

_FENCE = re.compile(r"^(```|~~~)")
_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CALL = re.compile(r"(?<![\w/.-])socialgit[ \t]+([^`\n]+)")
_ENDS = {"|", "||", "&&", ";", ">", ">>", "<", ")", "\\"}
_NAME = re.compile(r"^[a-z][a-z-]*$")


def _blocks(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(prose lines, code lines), numbered from 1; fenced blocks are code."""
    prose: list[tuple[int, str]] = []
    code: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        (code if fenced else prose).append((number, line))
    return prose, code


def slug(heading: str) -> str:
    """GitHub's id for a heading: formatting dropped, lowercase, punctuation removed,
    spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    for _, line in _blocks(text)[0]:
        match = _HEADING.match(line)
        if match:
            base = slug(match[2])
            name, n = base, 0
            while name in found:  # GitHub numbers repeated headings
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def dead_links(page: Path, text: str) -> list[str]:
    """Relative links of ``page`` whose file or heading does not exist."""
    wrong = []
    for number, line in _blocks(text)[0]:
        for target in _LINK.findall(_SPAN.sub("", line)):
            if re.match(r"^[a-z][a-z+.-]*:", target):  # https:, mailto:: not ours to check
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}:{number}: {target}"
            if not file.exists():
                wrong.append(f"{where}: no such file")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text()):
                wrong.append(f"{where}: no heading #{anchor} in {file.name}")
    return wrong


def _app() -> click.Group:
    _register_extensions()
    return cli


def calls(text: str) -> Iterator[tuple[int, list[str]]]:
    """Every ``socialgit …`` written in code: the line and the words up to a shell operator."""
    prose, code = _blocks(text)
    spans = [(n, span) for n, line in prose for _, span in _SPAN.findall(line)]
    for number, snippet in [*spans, *code]:
        for match in _CALL.finditer(snippet):
            words = []
            for word in match[1].replace("\\|", "|").split():
                if word in _ENDS or word.startswith(("|", "&", ";", ">", "#")):
                    break
                words.append(word)
            yield number, words


def unknown_commands(where: str, text: str) -> list[str]:
    """``socialgit`` calls in ``text`` naming a command or option the app does not have."""
    wrong = []
    for number, words in calls(text):
        command: click.Command = _app()
        path = "socialgit"
        skip = False
        for word in words:
            if skip:
                skip = False
                continue
            word = word.strip("[]")
            if word.startswith("-") and len(word) > 1:
                name = word.split("=", 1)[0]
                option = _option(command, name)
                if option is None:
                    wrong.append(f"{where}:{number}: `{path}` has no option {name}")
                    break
                skip = not option.is_flag and "=" not in word and option.nargs != 0
                continue
            if not isinstance(command, click.Group) or not _NAME.match(word):
                break  # an argument or a placeholder (COMMAND, ACCOUNT): the rest is not ours
            sub = command.commands.get(word)
            if sub is None:
                wrong.append(f"{where}:{number}: `{path} {word}` is not a command")
                break
            command, path = sub, f"{path} {word}"
    return wrong


def _option(command: click.Command, name: str) -> click.Option | None:
    if name in ("-h", "--help"):
        return click.Option(["--help"], is_flag=True)
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _commands() -> Iterator[tuple[str, click.Command]]:
    stack: list[tuple[str, click.Command]] = [("socialgit", _app())]
    while stack:
        path, command = stack.pop()
        if path != "socialgit":
            yield path, command
        if isinstance(command, click.Group):
            stack += [(f"{path} {name}", sub) for name, sub in command.commands.items()]


def undocumented(cli_md: str) -> list[str]:
    """Commands without a heading in docs/cli.md, and options missing under their heading."""
    sections: dict[str, str] = {}
    current = ""
    for line in cli_md.splitlines():
        match = _HEADING.match(line)
        if match:
            named = re.match(r"`(socialgit [a-z -]+?)(?: [A-Z\[].*)?`", match[2])
            current = named[1].strip() if named else ""
            sections.setdefault(current, "")
        sections[current] = sections.get(current, "") + line + "\n"
    wrong = []
    for path, command in _commands():
        if isinstance(command, click.Group):
            continue  # its subcommands have the headings
        if path not in sections:
            wrong.append(f"docs/cli.md: no heading for `{path}`")
            continue
        for param in command.params:
            if not isinstance(param, click.Option) or param.opts[0] == "--help":
                continue
            if not any(f"`{opt}" in sections[path] for opt in param.opts):
                wrong.append(f"docs/cli.md: `{path}` does not name {param.opts[0]}")
    return wrong


# -- the checks ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_lead_somewhere(page: Path) -> None:
    assert dead_links(page, page.read_text()) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_commands_named_exist(page: Path) -> None:
    assert unknown_commands(str(page.relative_to(ROOT)), page.read_text()) == []


def test_cli_reference_names_every_command_and_option() -> None:
    assert undocumented((DOCS / "cli.md").read_text()) == []


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_network_has_its_page(name: str) -> None:
    page = DOCS / "networks" / f"{name}.md"
    assert page.is_file(), f"add docs/networks/{name}.md (docs/adding-a-network.md)"
    assert f"]({name}.md)" in (DOCS / "networks" / "README.md").read_text(), (
        f"link docs/networks/{name}.md from the table in docs/networks/README.md"
    )
    text = page.read_text()
    missing = [key for key in PROVIDERS[name].SETTINGS if f"`{key}`" not in text]
    assert missing == [], f"docs/networks/{name}.md does not describe {missing}"


# -- the checks catch what they are for ----------------------------------------------------


def test_a_dead_link_is_caught(tmp_path: Path) -> None:
    page = DOCS / "example.md"  # resolved against docs/, never written
    text = "See [the posts](posts.md#times), [gone](nowhere.md) and [here](posts.md#no-such).\n"
    assert dead_links(page, text) == [
        "docs/example.md:1: nowhere.md: no such file",
        "docs/example.md:1: posts.md#no-such: no heading #no-such in posts.md",
    ]


def test_an_unknown_command_or_option_is_caught() -> None:
    text = (
        "Run `socialgit plan --horizon 14d`, then `socialgit publsh --dry-run`.\n"
        "```sh\nsocialgit vault put ACCOUNT < fields.json\nsocialgit vault purge\n"
        "socialgit publish --shrad 1/4 | tee out\n```\n"
    )
    assert unknown_commands("example.md", text) == [
        "example.md:1: `socialgit publsh` is not a command",
        "example.md:4: `socialgit vault purge` is not a command",
        "example.md:5: `socialgit publish` has no option --shrad",
    ]


def test_an_undocumented_option_is_caught() -> None:
    text = (DOCS / "cli.md").read_text().replace("`--dry-run`", "`--dry`")
    assert "docs/cli.md: `socialgit publish` does not name --dry-run" in undocumented(text)


def test_headings_get_githubs_ids() -> None:
    assert slug("Credentials: refreshing without losing or double-spending a token") == (
        "credentials-refreshing-without-losing-or-double-spending-a-token"
    )
    assert slug("Several runners: `--shard K/N`") == "several-runners---shard-kn"
    assert slug("The delivery document (`outbox`, `webhook`)") == (
        "the-delivery-document-outbox-webhook"
    )
