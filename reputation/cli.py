"""The `reputation` command."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path

import click

from reputation.config import DEFAULT_CONFIG_FILE, Config, ConfigError, Sentiment, load_config
from reputation.exports import FORMATS, ImportFileError, export_rows, import_reviews, write_export
from reputation.store import HEALTHY, Store, open_store


class _Context:
    def __init__(self, config_path: str | None):
        self.config_path = config_path

    def load(self) -> tuple[Config, Path, Store]:
        config, path = load_config(self.config_path)
        return config, path, open_store(config, path)

    def store(self) -> Store:
        return self.load()[2]


pass_context = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="REPUTATION_CONFIG",
    help=f"The YAML config (default: ./{DEFAULT_CONFIG_FILE}; or $REPUTATION_CONFIG).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Reputation monitor: collect reviews and mentions, score them, answer the negative ones on time."""
    ctx.obj = _Context(config_path)


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@pass_context
def init(context: _Context, force: bool) -> None:
    """Write a commented example config and create the database in the current folder."""
    path = Path(context.config_path or DEFAULT_CONFIG_FILE)
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; edit it, or pass --force to overwrite it")
    path.write_text(files("reputation").joinpath("example.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    context.config_path = str(path)
    context.store().close()
    click.echo(f"Wrote {path} and created the database. Next: set your company and its sources in {path}.")


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(context: _Context) -> None:
    """Apply the schema migrations (also done at every start)."""
    context.store().close()
    click.echo("Database schema is up to date.")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@cli.group("export")
def export_group() -> None:
    """Export data from the store."""


@export_group.command("reviews")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--since", type=click.DateTime(), help="Published on or after this date (UTC).")
@click.option("--until", type=click.DateTime(), help="Published before this date (UTC).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="File to write (default: standard output).")
@pass_context
def export_reviews(context: _Context, fmt: str, since, until, out: str | None) -> None:
    """Export reviews with their sentiment and reply state. Spreadsheet formulas are neutralised."""
    if fmt == "xlsx" and out is None:
        raise click.ClickException("xlsx is a binary format: name a file with --out")
    store = context.store()
    try:
        rows = export_rows(store, _utc(since), _utc(until))
        if out is None:
            count = write_export(rows, fmt, sys.stdout.buffer)
        else:
            with open(out, "wb") as handle:
                count = write_export(rows, fmt, handle)
    finally:
        store.close()
    if out is not None:
        click.echo(f"Exported {count} reviews to {out}.", err=True)


@cli.group("import")
def import_group() -> None:
    """Import data into the store."""


@import_group.command("reviews")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def import_reviews_command(context: _Context, file: Path) -> None:
    """Import reviews from a CSV, JSONL or XLSX file in the export's columns.

    The `source` column names a configured source, or a new manual one.
    """
    store = context.store()
    try:
        result = import_reviews(store, file)
    finally:
        store.close()
    created = f"; new manual sources: {', '.join(result.sources_created)}" if result.sources_created else ""
    click.echo(f"Imported {file}: {result.new} new, {result.updated} updated, {result.unchanged} unchanged{created}.")


@cli.command("crawl")
@click.argument("source_ids", nargs=-1)
@click.option("--all", "crawl_all", is_flag=True, help="Crawl every enabled source.")
@pass_context
def crawl_command(context: _Context, source_ids: tuple[str, ...], crawl_all: bool) -> None:
    """Crawl sources now, showing progress per page and a summary per source.

    Exits non-zero when a source ends blocked, markup_changed or failing.
    """
    from scrapers import crawl

    config, path, store = context.load()
    try:
        if crawl_all:
            source_ids = tuple(s.id for s in config.sources if s.enabled)
            if not source_ids:
                raise click.ClickException("no source is enabled in the config; set enabled: true on those to crawl")
        if not source_ids:
            raise click.UsageError("name the sources to crawl, or pass --all")
        unhealthy = 0
        for source_id in source_ids:
            try:
                run = crawl(config, path, store, source_id, echo=click.echo)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
            unchanged = run.items_seen - run.items_new - run.items_updated
            click.echo(
                f"{source_id}: {run.status}; {run.items_new} new, {run.items_updated} updated, "
                f"{unchanged} unchanged, {run.errors} errors, {run.pages} pages"
                + (f" ({run.error_detail})" if run.error_detail else "")
            )
            unhealthy += run.status not in HEALTHY
    finally:
        store.close()
    if unhealthy:
        sys.exit(1)


@cli.command("sources")
@pass_context
def sources_command(context: _Context) -> None:
    """List the sources with their health: last run, last success, status, reviews stored."""
    config, _, store = context.load()
    try:
        rows = store.sources_health()
    finally:
        store.close()
    zone = config.company.zone

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "never"

    header = f"{'source':<20} {'type':<11} {'channel':<12} {'status':<18} {'last run':<17} {'last success':<17} {'reviews':>8}"
    click.echo(header)
    for row in rows:
        status = row.status or "not crawled"
        if not row.enabled:
            status += " (off)"
        click.echo(
            f"{row.id:<20} {row.type:<11} {row.channel:<12} {status:<18} {when(row.last_run_at):<17} "
            f"{when(row.last_success_at):<17} {row.reviews:>8}"
        )
        if row.status_detail and row.status not in HEALTHY:
            click.echo(f"{'':<20} {row.status_detail}")


@cli.group("sentiment")
def sentiment_group() -> None:
    """Sentiment scoring with the configured model (the bundled one by default)."""


def _models(config: Config):
    from sentiment.loading import Models
    from sentiment.model import ModelLoadError

    try:
        return Models(config.sentiment)
    except ModelLoadError as exc:
        raise click.ClickException(str(exc)) from None


@sentiment_group.command("score")
@click.argument("text")
@click.option("--rating", type=click.FloatRange(1, 5), help="The author's stars, combined with the text's score.")
@pass_context
def sentiment_score(context: _Context, text: str, rating: float | None) -> None:
    """Print the label, score, language and model of one text."""
    from sentiment.language import detect_language
    from sentiment.policy import combine, flagged

    config, _ = load_config(context.config_path)
    models = _models(config)
    language = detect_language(text)
    model = models.for_language(language)
    [text_score] = model.score([text])
    label, score = combine(text_score, rating)
    click.echo(f"label: {label}")
    click.echo(f"score: {score:+.3f}")
    click.echo(f"language: {language or 'unknown'}")
    click.echo(f"model: {model.model_id} ({model.version})")
    click.echo(f"flagged: {'yes' if flagged(text_score, label, config.sentiment.negative_threshold) else 'no'}")


@sentiment_group.command("rescore")
@click.option("--all", "everything", is_flag=True, help="Rescore every review, e.g. after a model change.")
@pass_context
def sentiment_rescore(context: _Context, everything: bool) -> None:
    """Score the new and changed reviews (or all of them), flag negatives, set reply deadlines."""
    from sentiment.scoring import score_reviews

    config, _, store = context.load()
    try:
        count = score_reviews(store, config, _models(config), everything=everything)
    finally:
        store.close()
    click.echo(f"Scored {count} reviews.")


def _print_evaluation(models, rows: list[dict], settings: Sentiment) -> None:
    """Per language and overall figures of `models` on labelled rows, scored as the product scores
    (`settings`' batch size and threshold)."""
    from sentiment.evaluation import evaluate, format_flagged, format_report
    from sentiment.language import detect_language
    from sentiment.policy import flagged

    languages = [row.get("lang") or detect_language(row["text"]) or "unknown" for row in rows]
    predicted: list[str] = [""] * len(rows)
    flags: list[bool] = [False] * len(rows)
    for language in set(languages):
        indexes = [i for i, lang in enumerate(languages) if lang == language]
        model = models.for_language(language)
        for i, score in zip(indexes, model.score([rows[i]["text"] for i in indexes], settings.batch_size)):
            predicted[i] = score.label
            flags[i] = flagged(score, score.label, settings.negative_threshold)
    gold = [row["label"] for row in rows]
    for name in [*sorted(set(languages)), "overall"]:
        indexes = [i for i, lang in enumerate(languages) if name in (lang, "overall")]
        report = evaluate([gold[i] for i in indexes], [predicted[i] for i in indexes])
        for line in format_report(name, report):
            click.echo(line)
        click.echo(format_flagged([gold[i] for i in indexes], [flags[i] for i in indexes], settings.negative_threshold))
    click.echo(f"macro-F1: {report.macro_f1:.3f}")  # the last report is the overall one


def _evaluation_split() -> list[dict]:
    from sentiment.corpora import own_corpus
    from sentiment.model import LABELS

    return [dict(text=e.text, label=LABELS[e.label], lang=e.lang) for e in own_corpus()[1]]


@sentiment_group.command("eval")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--split", is_flag=True, help="Evaluate on the evaluation split of the project's corpus instead of FILE.")
@pass_context
def sentiment_eval(context: _Context, file: Path | None, split: bool) -> None:
    """Evaluate the model on a CSV with columns text,label (and optional lang), or on the evaluation split.

    Prints accuracy, macro-F1 and per-class precision/recall/F1, per language and overall.
    """
    from sentiment.evaluation import read_labelled

    if (file is None) == (not split):
        raise click.UsageError("give FILE or --split (one of them)")
    config, _ = load_config(context.config_path)
    try:
        rows = read_labelled(file) if file else _evaluation_split()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    _print_evaluation(_models(config), rows, config.sentiment)


@sentiment_group.command("train")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the model to (sentiment/bundled is the one that ships).")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of the public corpora (default: $REPUTATION_SENTIMENT_DATA, else ../shared/data/sentiment-train).")
@click.option("--epochs", type=click.FloatRange(min=0.01), default=1.0, show_default=True, help="Passes over the training data.")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True,
              help="CPU threads; the same seed and thread count give the same weights.")
@click.option("--feedback", is_flag=True, help="Fine-tune the configured model on the team's label corrections.")
@pass_context
def sentiment_train(
    context: _Context, out: Path, data: Path | None, epochs: float, seed: int, threads: int, feedback: bool
) -> None:
    """Train the sentiment model (seeded), then print its figures on the evaluation split.

    Without --feedback: a new model from the public corpora and the project's corpus
    (its evaluation split held out). With --feedback: the configured model continues
    training on the label corrections the team made, replaying the project's corpus.
    Point sentiment.model at --out to use the result.
    """
    from sentiment import corpora, training
    from sentiment.loading import Models

    if feedback:
        from sentiment.feedback import corrections
        from sentiment.loading import location
        from sentiment.model import LABELS

        config, _, store = context.load()
        try:
            fixed = [corpora.Example(c.text, LABELS.index(c.label), c.language or "", "feedback", True)
                     for c in corrections(store)]
        finally:
            store.close()
        if not fixed:
            raise click.ClickException("there are no label corrections yet; correct labels in the inbox first")
        init = Path(location(config.sentiment.model))
        if not init.is_dir():
            raise click.ClickException(f"--feedback fine-tunes a local model folder; {config.sentiment.model!r} is not one")
        settings = training.Settings(seed=seed, threads=threads, epochs=epochs, learning_rate=1e-4)
        try:
            training.fine_tune(init, fixed, corpora.own_corpus()[0], out, settings, click.echo)
        except training.UnsupportedModel as exc:
            raise click.ClickException(str(exc)) from None
    else:
        try:
            train, _ = corpora.load(corpora.public_dir(data))
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from None
        settings = training.Settings(seed=seed, threads=threads, epochs=epochs)
        training.train_new(train, out, settings, click.echo)
    click.echo(f"Model written to {out}; its figures on the evaluation split:")
    trained = Sentiment(model=str(out.resolve()))
    _print_evaluation(Models(trained), _evaluation_split(), trained)


from dashboard.cli import dashboard_command, users_group  # noqa: E402

cli.add_command(users_group)
cli.add_command(dashboard_command)

from reputation.alerts.commands import alerts_group  # noqa: E402

cli.add_command(alerts_group)

from scheduler.commands import jobs_command, run_command  # noqa: E402

cli.add_command(run_command)
cli.add_command(jobs_command)


from reputation.report.commands import report_group  # noqa: E402

cli.add_command(report_group)

from reputation.replies.commands import reply_group  # noqa: E402

cli.add_command(reply_group)

from reputation.demo.command import demo_command  # noqa: E402

cli.add_command(demo_command)


def main() -> None:
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (ConfigError, ImportFileError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
