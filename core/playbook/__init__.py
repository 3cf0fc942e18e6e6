"""The playbook: rules that turn signals into tasks, and the task queue."""
