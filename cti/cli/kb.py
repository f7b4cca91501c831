"""``ctidesk kb``: Knowledge base: articles and search."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from crm_core.knowledge.demo import seed_demo_articles
from crm_core.knowledge.schemas import ArticleView
from crm_core.knowledge.services import KnowledgeService
from crm_core.knowledge.snippets import Span
from crm_core.wiring import Crm
from cti.cli.common import console, fail, run_with_crm

app = typer.Typer(help="Knowledge base: articles and search.", no_args_is_help=True)

By = Annotated[str, typer.Option("--by", "-b", help="Who does this (login).")]
STATUS_COLOUR = {"approved": "green", "draft": "yellow"}


def _kb(crm: Crm) -> KnowledgeService:
    return crm.knowledge


def _highlighted(text: str, spans: tuple[Span, ...]) -> Text:
    rich_text = Text(text)
    for start, end in spans:
        rich_text.stylize("bold yellow", start, end)
    return rich_text


def _keywords(raw: str | None) -> list[str] | None:
    return None if raw is None else [k for k in (part.strip() for part in raw.split(",")) if k]


def _read_body(body: str | None, file: Path | None, *, required: bool) -> str | None:
    if body is not None and file is not None:
        fail("give the body with --body or --file, not both")
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            fail(f"cannot read {file}: {error}")
    if body == "-" or (body is None and required):
        if sys.stdin.isatty():
            fail("give the body with --body, --file or on standard input")
        return sys.stdin.read()
    return body


def _print(article: ArticleView) -> None:
    colour = STATUS_COLOUR.get(article.status.value, "white")
    console.print(
        f"[bold]#{article.id} {article.title}[/] [{colour}]{article.status.value}[/] "
        f"in {article.category} · version {article.version} · {article.view_count} views"
    )
    if article.keywords:
        console.print(f"keywords: {', '.join(article.keywords)}")
    approved = (
        f" · approved by {article.approved_by} {article.approved_at:%Y-%m-%d %H:%M}"
        if article.approved_at
        else ""
    )
    console.print(
        f"[dim]by {article.created_by} {article.created_at:%Y-%m-%d %H:%M} · "
        f"changed by {article.updated_by} {article.updated_at:%Y-%m-%d %H:%M}{approved}[/]"
    )


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="The article's title.")],
    category: Annotated[str, typer.Option(help="Category path, e.g. 设备/电子狗.")],
    by: By,
    body: Annotated[str | None, typer.Option(help="The text ('-' or none: stdin).")] = None,
    file: Annotated[Path | None, typer.Option(help="Read the text from this file.")] = None,
    keywords: Annotated[str | None, typer.Option(help="Comma-separated keywords.")] = None,
    approve: Annotated[bool, typer.Option(help="Approve at once (supervisors).")] = False,
    create_category: Annotated[
        bool, typer.Option(help="Create the category if it does not exist.")
    ] = False,
) -> None:
    """File a new article (a draft unless --approve)."""
    text = _read_body(body, file, required=True)
    data: dict[str, Any] = {
        "title": title,
        "body": text,
        "category": category,
        "keywords": _keywords(keywords) or [],
    }

    async def work(crm: Crm) -> ArticleView:
        kb = _kb(crm)
        if create_category:
            await kb.ensure_category(category)
        return await kb.create_article(data, actor=by, approve=approve)

    _print(run_with_crm(ctx, work))


@app.command("edit")
def edit(
    ctx: typer.Context,
    article_id: int,
    by: By,
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    body: Annotated[str | None, typer.Option(help="New text ('-': stdin).")] = None,
    file: Annotated[Path | None, typer.Option(help="Read the new text from this file.")] = None,
    keywords: Annotated[str | None, typer.Option(help="New comma-separated keywords.")] = None,
    category: Annotated[str | None, typer.Option(help="Move to this category.")] = None,
    version: Annotated[
        int | None, typer.Option(help="Refuse if the article is no longer at this version.")
    ] = None,
) -> None:
    """Change an article; new text sends an approved article back to draft."""
    changes = {
        "title": title,
        "body": _read_body(body, file, required=False),
        "keywords": _keywords(keywords),
        "category": category,
    }
    changes = {name: value for name, value in changes.items() if value is not None}
    _print(
        run_with_crm(
            ctx,
            lambda crm: _kb(crm).update_article(
                article_id, changes, actor=by, expected_version=version
            ),
        )
    )


@app.command("approve")
def approve(ctx: typer.Context, article_id: int, by: By) -> None:
    """Approve a draft: agents see it from now on (supervisors and admins)."""
    _print(run_with_crm(ctx, lambda crm: _kb(crm).approve(article_id, by=by)))


@app.command("withdraw")
def withdraw(ctx: typer.Context, article_id: int, by: By) -> None:
    """Take an approved article back to draft (supervisors and admins)."""
    _print(run_with_crm(ctx, lambda crm: _kb(crm).withdraw(article_id, by=by)))


@app.command("delete")
def delete(ctx: typer.Context, article_id: int, by: By) -> None:
    """Delete an article (supervisors and admins)."""
    run_with_crm(ctx, lambda crm: _kb(crm).delete_article(article_id, by=by))
    console.print(f"article {article_id} deleted")


@app.command("show")
def show(
    ctx: typer.Context,
    article_id: int,
    count_view: Annotated[bool, typer.Option(help="Count this as a view.")] = False,
) -> None:
    """Show an article in full, drafts included."""
    article = run_with_crm(
        ctx,
        lambda crm: _kb(crm).get(article_id, count_view=count_view, include_drafts=True),
    )
    _print(article)
    console.print()
    console.print(Text(article.body))


@app.command("search")
def search(
    ctx: typer.Context,
    query: str,
    all_statuses: Annotated[
        bool, typer.Option("--all-statuses", help="Drafts too, not only approved articles.")
    ] = False,
    category: Annotated[str | None, typer.Option(help="Only this category and below.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many results (1–100).")] = 20,
) -> None:
    """Full-text search, best match first; Chinese needs no spaces (无法充电)."""
    hits = run_with_crm(
        ctx,
        lambda crm: _kb(crm).search(
            query, include_drafts=all_statuses, category=category, limit=limit
        ),
    )
    if not hits:
        console.print(f"no article matches {query!r}")
        return
    table = Table("#", "id", "title", "category", "status", "views", "rank", "snippet")
    for place, hit in enumerate(hits, start=1):
        colour = STATUS_COLOUR.get(hit.status.value, "white")
        table.add_row(
            str(place),
            str(hit.id),
            _highlighted(hit.title, hit.title_highlights),
            hit.category,
            f"[{colour}]{hit.status.value}[/]",
            str(hit.view_count),
            f"{hit.rank:.3g}",
            _highlighted(hit.snippet.text, hit.snippet.highlights),
        )
    console.print(table)


@app.command("list")
def list_articles(
    ctx: typer.Context,
    category: Annotated[str | None, typer.Option(help="Only this category and below.")] = None,
    approved_only: Annotated[bool, typer.Option(help="Leave drafts out.")] = False,
) -> None:
    """Articles by category and title."""
    articles = run_with_crm(
        ctx,
        lambda crm: _kb(crm).list_articles(category=category, include_drafts=not approved_only),
    )
    table = Table("id", "title", "category", "status", "views", "changed")
    for article in articles:
        colour = STATUS_COLOUR.get(article.status.value, "white")
        table.add_row(
            str(article.id),
            article.title,
            article.category,
            f"[{colour}]{article.status.value}[/]",
            str(article.view_count),
            f"{article.updated_at:%Y-%m-%d}",
        )
    console.print(table)


@app.command("categories")
def categories(ctx: typer.Context) -> None:
    """The category tree with the number of articles (approved/all) in each."""
    views = run_with_crm(ctx, lambda crm: _kb(crm).categories())
    if not views:
        console.print("no categories yet: add one with `ctidesk kb category-add PATH`")
    for view in views:
        console.print(
            f"{'  ' * (view.depth - 1)}{view.name} "
            f"[dim]{view.approved_count}/{view.article_count}[/]"
        )


@app.command("category-add")
def category_add(ctx: typer.Context, path: str) -> None:
    """Create a category (and any missing parents), e.g. 设备/电子狗."""
    view = run_with_crm(ctx, lambda crm: _kb(crm).create_category(path))
    console.print(f"category {view.path} created")


@app.command("seed-demo")
def seed_demo(
    ctx: typer.Context,
    approver: Annotated[
        str | None, typer.Option(help="Approve them as this supervisor (login).")
    ] = None,
) -> None:
    """File the demo articles (Chinese and English); already filed ones are skipped."""
    filed = run_with_crm(ctx, lambda crm: seed_demo_articles(_kb(crm), approver=approver))
    console.print(f"{len(filed)} demo articles filed")
