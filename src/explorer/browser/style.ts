/** The page's CSS, scoped under .vx (the explorer also lives inside notebook outputs). */
export const STYLE = `
.vx{font-family:"DejaVu Sans",Verdana,sans-serif;font-size:13px;color:#222;max-width:900px;line-height:1.35}
.vx-title{font-weight:bold;font-size:15px;margin:4px 0}
.vx-help,.vx-info,.vx-small{color:#444;margin:4px 0}
.vx-small{font-size:11px}
.vx-row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
.vx-col{display:flex;flex-direction:column;gap:4px}
.vx-side{width:360px}
.vx-h{font-weight:bold;margin-top:8px}
.vx-tools{display:flex;gap:8px;align-items:center;margin:4px 0}
.vx-tools button{font:inherit;padding:2px 10px;cursor:pointer;white-space:nowrap}
.vx-plane-box{display:grid;grid-template-columns:20px auto;grid-template-rows:auto 18px;align-items:center}
.vx-plane-box canvas{grid-column:2;grid-row:1;touch-action:none;cursor:crosshair}
.vx-axis-y{grid-column:1;grid-row:1;writing-mode:vertical-rl;transform:rotate(180deg);text-align:center}
.vx-axis-x{grid-column:2;grid-row:2;text-align:center}
.vx-legend{display:flex;gap:8px;flex-wrap:wrap;margin-left:20px}
.vx-legend i{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:3px}
.vx-digit{image-rendering:pixelated;border:1px solid #bbb;background:#fff}
.vx-pad{touch-action:none;cursor:crosshair}
.vx-pad-row{display:flex;gap:10px;align-items:flex-start}
.vx-strip{display:flex;flex-wrap:wrap;gap:4px}
.vx-strip figure{margin:0;text-align:center;font-size:10px;color:#555}
.vx-backend{margin-top:10px;font-size:11px;color:#555;border-top:1px solid #ddd;padding-top:4px}
.vx-status{padding:8px;color:#555}
`;
