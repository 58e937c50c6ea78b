"""Inbox: the flagged reviews waiting for a reply, the one due first on top, and what to do with each."""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from dashboard import countdown, session
from dashboard.safe import md, one_line
from reputation import inbox
from reputation.inbox import REPLY_CHANNELS, InboxError
from reputation.links import web_url
from reputation.replies import check_reply, draft_for_review
from reputation.replies.reviews import load_review, reply_language
from reputation.store import utcnow
from reputation.users import list_users

PAGE_SIZE = 25
_FLASH = "inbox_flash"
_LABELS = ("negative", "neutral", "positive")


def _do(what: str, action, *args, **kwargs) -> None:
    """Run an inbox action from a button's callback and keep its outcome for the page to show."""
    try:
        action(*args, **kwargs)
    except (InboxError, PermissionError) as exc:
        st.session_state[_FLASH] = ("error", f"{what}: {exc}")
    else:
        st.session_state[_FLASH] = ("success", f"{what}: done.")


def _reply(ctx, user, review_id: int) -> None:
    key = f"{review_id}"
    zone = ctx.config.company.zone
    when = datetime.combine(st.session_state[f"reply_date_{key}"], st.session_state[f"reply_time_{key}"], zone)
    _do(
        "Reply recorded / Ответ записан",
        inbox.record_reply, ctx.store, review_id, st.session_state[f"reply_text_{key}"],
        st.session_state[f"reply_where_{key}"], when, by=user.name,
    )


def _draft(ctx, review_id: int) -> None:
    try:
        draft = draft_for_review(ctx.store, ctx.config, review_id)
    except Exception as exc:  # the assistant's own failure must not take the inbox down
        st.session_state[_FLASH] = ("error", f"Draft failed: {exc}")
        return
    st.session_state[f"reply_text_{review_id}"] = draft.text
    st.session_state[_FLASH] = ("info", f"Draft for {draft.situation} ({draft.language}); read and edit it before answering.")


def _check(ctx, review_id: int) -> None:
    text = st.session_state.get(f"reply_text_{review_id}", "")
    try:
        language = reply_language(load_review(ctx.store, review_id), ctx.config)
        model, untoned = session.tone_model(ctx, language)  # without it, the other rules still apply
        findings = check_reply(text, language, config=ctx.config, store=ctx.store, review_id=review_id, model=model)
    except Exception as exc:  # as in _draft
        st.session_state[_FLASH] = ("error", f"Check failed: {exc}")
        return
    st.session_state[f"findings_{review_id}"] = findings
    if untoned:
        st.session_state[_FLASH] = ("warning", untoned)
    elif not findings:
        st.session_state[_FLASH] = ("success", "Check: nothing to fix. / Проверка: замечаний нет.")


def _actions(ctx, user, row, responders: list[str]) -> None:
    key = row.id
    locked = not user.may("responder")
    if locked:
        st.caption("Viewers read only. / Только просмотр.")
    zone = ctx.config.company.zone
    now = utcnow().astimezone(zone)
    st.text_area("Reply text / Текст ответа", key=f"reply_text_{key}", disabled=locked)
    draft_col, check_col = st.columns(2)
    draft_col.button("Draft reply / Черновик", key=f"draft_{key}", on_click=_draft, args=(ctx, key), disabled=locked)
    check_col.button("Check / Проверить", key=f"check_{key}", on_click=_check, args=(ctx, key), disabled=locked)
    for finding in st.session_state.get(f"findings_{key}", []):
        st.warning(f"{md(finding.rule)}: «{md(finding.excerpt)}» → {md(finding.suggestion)}")
    where, day, at = st.columns(3)
    where.selectbox("Where / Где", REPLY_CHANNELS, key=f"reply_where_{key}", disabled=locked)
    day.date_input("Date / Дата", value=now.date(), key=f"reply_date_{key}", disabled=locked)
    at.time_input("Time / Время", value=now.time().replace(second=0, microsecond=0), key=f"reply_time_{key}", step=60, disabled=locked)
    st.button("Record reply / Записать ответ", key=f"do_reply_{key}", type="primary", on_click=_reply, args=(ctx, user, key), disabled=locked)

    assignee, label = st.columns(2)
    options = ["—", *responders]
    assignee.selectbox("Assign to / Назначить", options, index=options.index(row.assigned_to) if row.assigned_to in options else 0, key=f"assignee_{key}", disabled=locked)
    assignee.button(
        "Assign", key=f"do_assign_{key}", disabled=locked,
        on_click=lambda: _do("Assigned / Назначено", inbox.assign, ctx.store, key,
                             None if st.session_state[f"assignee_{key}"] == "—" else st.session_state[f"assignee_{key}"], by=user.name),
    )
    label.selectbox("Sentiment / Тональность", _LABELS, index=_LABELS.index(row.sentiment_label) if row.sentiment_label in _LABELS else 0, key=f"label_{key}", disabled=locked)
    label.button(
        "Correct label", key=f"do_label_{key}", disabled=locked,
        on_click=lambda: _do("Label corrected / Метка исправлена", inbox.correct_label, ctx.store, ctx.config, key,
                             st.session_state[f"label_{key}"], by=user.name),
    )
    st.text_input("Note or reason / Комментарий или причина", key=f"reason_{key}", disabled=locked)
    resolve, spam, not_ours = st.columns(3)
    reason = lambda: st.session_state.get(f"reason_{key}", "")  # noqa: E731
    resolve.button("Resolved / Решено", key=f"do_resolve_{key}", disabled=locked,
                   on_click=lambda: _do("Resolved / Решено", inbox.resolve, ctx.store, key, by=user.name, note=reason()))
    spam.button("Spam / Спам", key=f"do_spam_{key}", disabled=locked,
                on_click=lambda: _do("Marked as spam", inbox.mark_spam, ctx.store, key, reason(), by=user.name))
    not_ours.button("Not ours / Не про нас", key=f"do_not_ours_{key}", disabled=locked,
                    on_click=lambda: _do("Marked as not ours", inbox.mark_not_ours, ctx.store, key, reason(), by=user.name))


def _when(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment else "—"


def _item(ctx, user, row, responders: list[str]) -> None:
    zone = ctx.config.company.zone
    with st.container(border=True):
        countdown.live(row.due_at, row.published_at or row.first_seen_at)
        stars = f"{row.rating:g}★" if row.rating is not None else "no rating"
        assigned = f" · assigned to {row.assigned_to}" if row.assigned_to else ""
        st.caption(
            md(f"#{row.id} · {row.source_id} ({row.channel}) · {stars} · {row.language or '?'} · "
               f"published {_when(row.published_at, zone)} · due {_when(row.due_at, zone)}{assigned}")
        )
        st.text(f"Author / Автор: {one_line(row.author or '—')}")
        if row.title:
            st.text(one_line(row.title))
        st.text(row.text)
        if target := web_url(row.url):
            st.link_button("Open the original / Оригинал ↗", target)
        elif row.url:
            st.text(f"Link (not a web address, not opened): {one_line(row.url)}")
        with st.expander("Reply and actions / Ответ и действия"):
            _actions(ctx, user, row, responders)
            _, log = inbox.history(ctx.store.engine, row.id)
            for entry in log:
                st.caption(md(f"{_when(entry.at, zone)} {entry.user_name or 'system'}: {entry.action} {entry.detail or ''}"))


def page() -> None:
    ctx = session.app()
    user = session.current_user(ctx)
    engine = ctx.store.engine
    title = st.empty()
    mine = st.toggle("Only assigned to me / Только мои", key="inbox_mine")
    assigned_to = user.name if mine else None
    total = inbox.unanswered_count(engine, assigned_to=assigned_to)
    title.title(f"Inbox / Входящие · {total}")
    if flash := st.session_state.pop(_FLASH, None):
        getattr(st, flash[0])(md(flash[1]))
    pages = max(1, -(-total // PAGE_SIZE))
    # The queue may have shrunk since the page number was chosen.
    st.session_state["inbox_page"] = min(st.session_state.get("inbox_page", 1), pages)
    number = st.number_input("Page", min_value=1, max_value=pages, key="inbox_page") if pages > 1 else 1
    rows = inbox.unanswered(engine, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, assigned_to=assigned_to)
    if not rows:
        st.success("Nothing waiting for a reply. / Всё отвечено.")
    responders = [u.name for u in list_users(ctx.store) if u.may("responder")]
    for row in rows:
        _item(ctx, user, row, responders)
    closed = inbox.answered_on_source(engine, utcnow() - timedelta(days=1))
    if closed:
        st.subheader("Answered on the source in the last 24 h / Ответ найден на площадке")
        zone = ctx.config.company.zone
        st.dataframe(
            [
                {"#": r.id, "source": r.source_id, "author": one_line(r.author or ""), "review": r.text[:120],
                 "reply": r.reply_text, "seen": _when(r.reply_seen_at, zone)}
                for r in closed
            ],
            hide_index=True,
        )


page()
