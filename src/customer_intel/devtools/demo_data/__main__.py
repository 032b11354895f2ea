"""`python -m customer_intel.devtools.demo_data`: generate the demo data set."""

from customer_intel.devtools.demo_data.cli import main

if __name__ == "__main__":
    main()
