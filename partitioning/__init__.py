"""The event store partitioned by agency: the directory table, opening the logs, moving a single log to partitions."""
