from edgetrack.cli import main

main()
