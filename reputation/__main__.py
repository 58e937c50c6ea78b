from reputation.cli import main

main()
