"""The HTML report template: one self-contained file (inline CSS and SVG, no external assets)."""

HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1150px; padding: 1em 2em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { border-bottom: 2px solid #3b6ea5; padding-bottom: .2em; margin-top: 2em; }
h3 { margin-bottom: .3em; }
.meta { color: #666; font-size: .9em; }
nav ol { columns: 2; font-size: .95em; }
table { border-collapse: collapse; font-size: .82em; margin: .4em 0 .2em; }
th, td { border: 1px solid #ccc; padding: 2px 7px; }
th { background: #eef3f8; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.na { color: #a33; font-style: italic; }
th.delta, td.delta { background: #fbf6e9; }
.note { color: #555; font-size: .85em; margin: .1em 0; }
.missing { color: #a33; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figure { max-width: 100%; overflow-x: auto; }
figcaption { font-weight: bold; margin-bottom: .3em; }
.scroll { overflow-x: auto; max-height: 34em; overflow-y: auto; max-width: 100%; }
table#table-scorecard { font-size: .8em; }
table#table-scorecard th { white-space: normal; vertical-align: bottom; font-weight: 600; }
table#table-scorecard td:first-child { white-space: nowrap; }
table#table-scorecard td.num { font-weight: 600; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="meta">Runs: {% for r in runs %}<b>{{ r.name }}</b> ({{ r.path }}){% if not loop.last %}; {% endif %}{% endfor %}.
{% if baseline %}Baseline: <b>{{ baseline }}</b>; Δ columns are run − baseline.{% endif %}
Generated {{ generated }} by reebloc {{ version }}.</p>
{% if missing %}<p class="note missing">{% for m in missing %}{{ m }}<br>{% endfor %}</p>{% endif %}
<nav><ol>{% for s in sections %}<li><a href="#section-{{ s.key }}">{{ s.title }}</a></li>{% endfor %}</ol></nav>
{% for s in sections %}
<section id="section-{{ s.key }}" data-section="{{ s.key }}">
<h2>{{ loop.index }}. {{ s.title }}</h2>
{% if s.intro %}<p>{{ s.intro }}</p>{% endif %}
{% for item in s.entries %}
{% if item.kind == "chart" %}
<figure id="chart-{{ item.key }}" data-chart="{{ item.key }}">
<figcaption>{{ item.title }}</figcaption>
{% if item.svg %}{{ item.svg | safe }}{% else %}<p class="note missing">{{ item.note }}</p>{% endif %}
</figure>
{% else %}
<h3>{{ item.title }}{% if item.unit %} <small>({{ item.unit }})</small>{% endif %}</h3>
<div class="scroll">
<table id="table-{{ item.key }}" data-table="{{ item.key }}">
<thead><tr>{% for c in item.columns %}<th{% if c.delta %} class="delta"{% endif %}>{{ c.name }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in item.rows %}<tr>{% for cell in row %}<td class="{{ cell.cls }}"{% if cell.value is not none %} data-value="{{ cell.value }}"{% endif %}>{{ cell.text }}</td>{% endfor %}</tr>
{% endfor %}
</tbody>
</table>
</div>
{% if not item.rows %}<p class="note missing">No rows{% if item.empty_note %}: {{ item.empty_note }}{% endif %}.</p>{% endif %}
{% for n in item.notes %}<p class="note{% if 'not in this run' in n or 'not found' in n %} missing{% endif %}">{{ n }}</p>{% endfor %}
{% endif %}
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""
