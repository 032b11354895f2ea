"""Developer tools: demo data, benchmarks, README reports and the Online Retail import."""
