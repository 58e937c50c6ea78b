"""Users (admins only): who may log in, with which role."""

from __future__ import annotations

import streamlit as st

from dashboard import session
from dashboard.safe import md
from reputation.users import ROLES, UserError, add_user, list_users, set_disabled, set_role

_FLASH = "users_flash"


def _change(what: str, action, *args, **kwargs) -> None:
    try:
        action(*args, **kwargs)
    except UserError as exc:
        st.session_state[_FLASH] = ("error", f"{what}: {exc}")
    else:
        st.session_state[_FLASH] = ("success", f"{what}: done.")


def page() -> None:
    ctx = session.app()
    admin = session.current_user(ctx)
    st.title("Users / Пользователи")
    if not admin.may("admin"):
        st.error("Only admins manage users.")
        return
    if flash := st.session_state.pop(_FLASH, None):
        getattr(st, flash[0])(md(flash[1]))
    zone = ctx.config.company.zone
    users = list_users(ctx.store)
    st.dataframe(
        [{"name": u.name, "role": u.role, "state": "disabled" if u.disabled else "active",
          "created": u.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")} for u in users],
        hide_index=True,
        key="users_table",
    )
    with st.form("add_user", clear_on_submit=True):
        st.subheader("Add a user")
        name = st.text_input("Name", key="new_user_name")
        role = st.selectbox("Role", ROLES, key="new_user_role")
        password = st.text_input("Password (8+ characters)", type="password", key="new_user_password")
        if st.form_submit_button("Add"):
            _change(f"Add {name}", add_user, ctx.store, name.strip(), password, role, by=admin.name)
            st.rerun()
    others = [u.name for u in users if u.name != admin.name]
    if others:
        st.subheader("Change a user")
        st.selectbox("User", others, key="change_user")
        st.selectbox("New role", ROLES, key="change_role")
        # Callbacks read the widgets' values as submitted, not as they were when the page was drawn.
        chosen = lambda: st.session_state["change_user"]  # noqa: E731
        a, b, c = st.columns(3)
        a.button("Set role", key="do_set_role",
                 on_click=lambda: _change("Role", set_role, ctx.store, chosen(), st.session_state["change_role"], by=admin.name))
        b.button("Disable", key="do_disable", on_click=lambda: _change("Disable", set_disabled, ctx.store, chosen(), True, by=admin.name))
        c.button("Enable", key="do_enable", on_click=lambda: _change("Enable", set_disabled, ctx.store, chosen(), False, by=admin.name))


page()
