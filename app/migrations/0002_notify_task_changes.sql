-- Every change to the tasks, by any client (this service's pods, psql, a migration), notifies the channel
-- tasks_changed when its transaction commits: the service's pods keep the task list in memory only while they
-- listen on it (app/src/task-list-cache.ts). PostgreSQL sends one notification per transaction, however many
-- statements and rows it changed.
CREATE FUNCTION notify_tasks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tasks_changed', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER tasks_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tasks
  FOR EACH STATEMENT EXECUTE FUNCTION notify_tasks_changed();
