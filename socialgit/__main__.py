from socialgit.cli import main

main()
