"""The endpoints pages, one module per group: overview (list, detail, polling), create (flavors, new, adopt),
actions (scale, delete, budget, try it), windows (schedules), usage_page. Helpers they share: common."""
