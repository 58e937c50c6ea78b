"""The dashboard's pages: scripts that dashboard/app.py runs through st.navigation, after login only."""
