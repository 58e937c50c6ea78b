"""The Streamlit app that `reputation dashboard` runs: the login first, then the pages this user's role allows."""

from pathlib import Path

import streamlit as st

from dashboard import session
from dashboard.safe import md

VIEWS = Path(__file__).with_name("views")

st.set_page_config(page_title="Reputation monitor", page_icon=":material/forum:", layout="wide")

user = session.current_user(session.app())
if user is None:
    page = st.navigation([st.Page(session.login_page, title="Log in", url_path="login")], position="hidden")
else:
    with st.sidebar:
        st.caption(md(f"{user.name} · {user.role}"))
        if st.button("Log out / Выйти", key="logout"):
            session.logout(session.app())
            st.rerun()
        # Last in the sidebar: an element that comes and goes must not shift the page's widgets.
        session.write_cookie()
    pages = [
        st.Page(VIEWS / "inbox.py", title="Inbox", icon=":material/inbox:", url_path="inbox", default=True),
        st.Page(VIEWS / "overview.py", title="Overview", icon=":material/monitoring:", url_path="overview"),
        st.Page(VIEWS / "explorer.py", title="Explorer", icon=":material/search:", url_path="explorer"),
        st.Page(VIEWS / "sources.py", title="Sources", icon=":material/rss_feed:", url_path="sources"),
        st.Page(VIEWS / "reports.py", title="Reports", icon=":material/summarize:", url_path="reports"),
    ]
    if user.may("admin"):
        pages.append(st.Page(VIEWS / "users.py", title="Users", icon=":material/group:", url_path="users"))
    page = st.navigation(pages)
page.run()
