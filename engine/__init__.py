"""Pure computation for quizapp: cost models, problems, answer checking, kernels, demos.

Nothing here touches the UI, files or a database; `quizapp` depends on `engine`,
never the reverse (an import-linter contract in the tests keeps it so).
"""
