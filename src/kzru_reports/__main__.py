from kzru_reports.cli import main

main()
