from kzru_reports.cli import run

run()
