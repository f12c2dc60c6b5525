"""Projects and posts (项目清单, 岗位), their claims, and tasks (任务清单)."""
