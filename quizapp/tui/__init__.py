"""The Textual terminal interface (`quizapp` with no arguments opens it).

Entry points: `quizapp.tui.app.create_app` (the factory the CLI and the tests call)
and `quizapp.tui.app.run_app`.
"""
