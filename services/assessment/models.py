"""Year-end feedback (表现反馈表) and unit evaluations (评价表): the dual assessment."""
