"""ML Commons resources: connectors, model groups, models, tasks, settings and the document API."""
