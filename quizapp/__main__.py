"""`python -m quizapp` is the same as the `quizapp` console script."""

from quizapp.cli import main

if __name__ == "__main__":
    main()
