from phrony_tui.entry.cli import main

raise SystemExit(main())
