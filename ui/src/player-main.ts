// Entry point of the preview player page (player.html), served by the preview service at /player/.
import { mount } from "svelte";
import PreviewPage from "./preview/PreviewPage.svelte";
import "./app/theme.css";

const target = document.getElementById("player");
if (!target) throw new Error("player.html has no #player element to mount into");

export default mount(PreviewPage, { target });
