from paytrace_abas.cli import main

main()
