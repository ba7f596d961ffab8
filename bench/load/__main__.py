from bench.load.main import main

raise SystemExit(main())
