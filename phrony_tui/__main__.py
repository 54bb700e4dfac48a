from phrony_tui.cli import main

raise SystemExit(main())
