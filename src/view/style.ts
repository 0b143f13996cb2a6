// The stylesheet of the status page and of `calf report`: one string, inlined
// into both (no CDN, no build step). Light and dark follow prefers-color-scheme;
// one column below 700 px, so the page fits a 390 px phone without side-scrolling.

export const PAGE_CSS = `
:root{color-scheme:light dark;--bg:#f7f7f5;--fg:#1d2125;--muted:#5f6670;--card:#fff;--line:#d9dcdf;--accent:#2459c7;
--run:#2f6fde;--run-bg:#dde8fb;--ok:#21813a;--ok-bg:#dcf0e1;--bad:#c62828;--bad-bg:#fbe0de;--pause:#9a6a00;--pause-bg:#fbefcf;
--off:#7b8088;--off-bg:#e6e7e9;--idle:#56606b;--idle-bg:#eef0f2;--repo-bg:#eef1f6;--code:#f0f1f3}
@media (prefers-color-scheme:dark){:root{--bg:#14171a;--fg:#e3e6e9;--muted:#9aa3ad;--card:#1d2125;--line:#343a40;--accent:#7aa7ff;
--run:#7aa7ff;--run-bg:#1f3358;--ok:#5cc97a;--ok-bg:#173523;--bad:#ff7b72;--bad-bg:#4a1e1c;--pause:#e0b44c;--pause-bg:#3f3314;
--off:#8b929a;--off-bg:#2a2f34;--idle:#aab3bd;--idle-bg:#262b30;--repo-bg:#232a33;--code:#262b30}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;overflow-wrap:anywhere}
header.top{display:flex;flex-wrap:wrap;align-items:baseline;gap:.3em 1em;padding:.7rem 1rem;border-bottom:1px solid var(--line);background:var(--card)}
header.top h1{font-size:1.15rem;margin:0}
header.top .muted{font-size:.85rem}
.live{font-size:.85rem;color:var(--muted)}
.live::before{content:"";display:inline-block;width:.55em;height:.55em;border-radius:50%;background:var(--off);margin-right:.35em}
.live.on::before{background:var(--ok)}
.live.off::before{background:var(--bad)}
main{padding:0 1rem 2rem;max-width:1280px;margin:0 auto}
h2{font-size:1.05rem;margin:1.3rem 0 .5rem}
h3{font-size:1rem;margin:0}
h4{font-size:.9rem;margin:.8rem 0 .3rem}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
code{background:var(--code);padding:0 .25em;border-radius:3px}
.muted,.empty{color:var(--muted)}
.bad{color:var(--bad)}
.banner{margin:1rem 0 0;padding:.5rem .8rem;border-radius:6px;background:var(--bad-bg);color:var(--bad)}
.banner:empty{display:none}
.dag-box{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.5rem;overflow-x:auto}
svg.dag{display:block;max-width:100%;height:auto;margin:0 auto}
svg.dag .edge{fill:none;stroke:var(--muted);stroke-width:1.4}
svg.dag .arrowhead{fill:var(--muted)}
svg.dag text{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-anchor:middle;fill:var(--fg)}
svg.dag text.sub{font-size:11px;fill:var(--muted)}
svg.dag .node rect{stroke-width:1.5}
svg.dag .repo rect{fill:var(--repo-bg);stroke:var(--line)}
svg.dag .repo.src-cron rect{stroke-dasharray:4 3;stroke:var(--muted)}
svg.dag .pipe.st-running rect{fill:var(--run-bg);stroke:var(--run)}
svg.dag .pipe.st-success rect{fill:var(--ok-bg);stroke:var(--ok)}
svg.dag .pipe.st-failing rect{fill:var(--bad-bg);stroke:var(--bad)}
svg.dag .pipe.st-paused rect{fill:var(--pause-bg);stroke:var(--pause)}
svg.dag .pipe.st-inactive rect{fill:var(--off-bg);stroke:var(--off);stroke-dasharray:3 3}
svg.dag .pipe.st-idle rect{fill:var(--idle-bg);stroke:var(--idle)}
svg.dag .focus rect{stroke-width:3.5}
svg.dag a:hover rect,svg.dag a:focus rect{stroke-width:3}
.legend{display:flex;flex-wrap:wrap;gap:.2em 1em;list-style:none;padding:0;margin:.4rem 0 0;font-size:.8rem;color:var(--muted)}
.chip{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;vertical-align:-.05em;border:1.5px solid}
.chip.repo{background:var(--repo-bg);border-color:var(--line);border-radius:.4em}
.st-running{--c:var(--run);--cb:var(--run-bg)}.st-success{--c:var(--ok);--cb:var(--ok-bg)}.st-failing{--c:var(--bad);--cb:var(--bad-bg)}
.st-paused{--c:var(--pause);--cb:var(--pause-bg)}.st-inactive{--c:var(--off);--cb:var(--off-bg)}.st-idle{--c:var(--idle);--cb:var(--idle-bg)}
.js-ok{--c:var(--ok);--cb:var(--ok-bg)}.js-run{--c:var(--run);--cb:var(--run-bg)}.js-bad{--c:var(--bad);--cb:var(--bad-bg)}
.chip{background:var(--cb);border-color:var(--c)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,340px),1fr));gap:.8rem}
.card{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--c,var(--line));border-radius:8px;padding:.7rem .8rem;min-width:0}
.card>header{display:flex;justify-content:space-between;align-items:center;gap:.5em}
.badge{font-size:.75rem;padding:.05em .55em;border-radius:1em;background:var(--cb);color:var(--c);border:1px solid var(--c);white-space:nowrap}
.meta,.extra{margin:.35rem 0;font-size:.85rem;color:var(--muted)}
.progress{margin:.5rem 0}
.pbar{height:.6rem;border-radius:.3rem;background:var(--off-bg);overflow:hidden}
.pbar span{display:block;height:100%;background:var(--run);transition:width .3s}
.ptext{margin:.25rem 0 0;font-size:.85rem}
.timeline{list-style:none;padding:0;margin:.5rem 0 0}
.tl-row{display:grid;grid-template-columns:6.5em 1fr;align-items:center;column-gap:.5em;font-size:.8rem;padding:.1rem 0}
.tl-when{color:var(--muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.tl-track{height:.55rem;background:var(--code);border-radius:.3rem;overflow:hidden}
.tl-bar{display:block;height:100%;background:var(--c);border-radius:.3rem}
.tl-bar.live{animation:pulse 1.2s ease-in-out infinite alternate}
@keyframes pulse{from{opacity:.55}to{opacity:1}}
@media (prefers-reduced-motion:reduce){.tl-bar.live{animation:none}.pbar span{transition:none}}
.tl-label{grid-column:2;color:var(--muted)}
.tl-state{color:var(--c);font-weight:600}
.failure{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:8px;padding:.6rem .8rem;margin:0 0 .7rem;min-width:0}
.failure header{font-size:.9rem}
.failure .inputs{margin:.3rem 0;font-family:ui-monospace,monospace;font-size:.8rem;color:var(--muted)}
.reason{margin:.3rem 0;color:var(--bad);font-size:.9rem}
pre.log,pre.reason-full{margin:.4rem 0 0;padding:.5rem .6rem;background:var(--code);border-radius:6px;overflow-x:auto;max-height:18rem;font-size:.78rem;line-height:1.4;white-space:pre-wrap;word-break:break-all}
pre.log .err{color:var(--bad)}
pre.log .sys{color:var(--muted)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.5rem 0;font-size:.85rem}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;min-width:0}
.browser{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr) minmax(0,1.4fr);gap:.8rem}
.browser>div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.5rem .7rem;min-width:0}
.browser h3{font-size:.9rem;margin:.2rem 0 .4rem;color:var(--muted)}
.list{list-style:none;padding:0;margin:0}
.list li{display:flex;flex-wrap:wrap;gap:0 .6em;align-items:baseline;padding:.2rem 0;border-bottom:1px solid var(--line);font-size:.85rem}
.list li:last-child{border-bottom:0}
.list li.sel{background:var(--code)}
.list button,.crumbs button{font:inherit;color:var(--accent);background:none;border:0;padding:.15rem 0;cursor:pointer;text-align:left}
.list a{color:var(--accent)}
.list .muted{font-size:.8rem}
.crumbs{display:flex;flex-wrap:wrap;gap:.2em;margin-bottom:.4rem;font-size:.85rem}
footer{color:var(--muted);font-size:.8rem;padding:1rem;text-align:center}
@media (max-width:700px){main{padding:0 .6rem 2rem}.browser{grid-template-columns:minmax(0,1fr)}body{font-size:14px}}
`;
