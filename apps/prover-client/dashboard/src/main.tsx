/**
 * The operator's dashboard: overview, checkpoints, tasks and one task's page, kept current by the
 * server's event stream. Served by the prover client itself at `/`; it talks only to that origin.
 */
import { render } from "preact";
import { useConnected } from "./live.js";
import { CheckpointsPage } from "./pages/checkpoints.js";
import { OverviewPage } from "./pages/overview.js";
import { TaskPage } from "./pages/task.js";
import { TasksPage } from "./pages/tasks.js";
import { href, type Route, useRoute } from "./router.js";
import { TokenDialog } from "./ui.js";

function Page({ route }: { readonly route: Route }) {
  const task = /^\/tasks\/([0-9a-f]{32})$/.exec(route.path);
  if (task) return <TaskPage id={task[1]!} />;
  if (route.path === "/tasks") return <TasksPage route={route} />;
  if (route.path === "/checkpoints") return <CheckpointsPage />;
  if (route.path === "/") return <OverviewPage />;
  return (
    <p>
      No such page. <a href={href("/")}>To the overview</a>
    </p>
  );
}

function App() {
  const route = useRoute();
  const connected = useConnected();
  const section = route.path.split("/")[1] ?? "";
  const tab = (path: string, label: string) => (
    // aria-current: a screen reader says which page is open, which the colour alone does not.
    <a
      href={href(`/${path}`)}
      class={section === path ? "current" : undefined}
      aria-current={section === path ? "page" : undefined}
    >
      {label}
    </a>
  );
  return (
    <>
      <header>
        <h1>PaaS prover</h1>
        <nav>
          {tab("", "Overview")}
          {tab("checkpoints", "Checkpoints")}
          {tab("tasks", "Tasks")}
        </nav>
        {/* A status: a screen reader says when the page stops following the server, and when it is back. */}
        <span
          class={connected ? "live on" : "live off"}
          role="status"
          title="updates from the server's event stream"
        >
          {connected ? "live" : "reconnecting…"}
        </span>
      </header>
      <main>
        <Page route={route} />
      </main>
      <TokenDialog />
    </>
  );
}

render(<App />, document.getElementById("app")!);
