"""Entry point: `python run_bot.py [run|check|preview|migrate|worker|patient]`."""

from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
