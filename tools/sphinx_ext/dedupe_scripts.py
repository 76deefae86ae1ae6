"""Work around Sphinx < 8.2 (sphinx-doc/sphinx#13402): inline scripts added after the
builder starts (sphinx-thebe's `const THEBE_JS_URL`) are emitted twice."""


def dedupe(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for js in context.get("script_files", []):
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", dedupe)
    # html-page-context runs in the process that writes the page: no shared state
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
