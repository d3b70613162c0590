from ma_tui.cli import main

raise SystemExit(main())
