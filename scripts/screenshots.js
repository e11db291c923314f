// Screenshots of the README (docs/screenshots/*.png), taken with headless Chromium.
//
// How to run it (playwright-core is installed outside the repository; nothing is committed
// but this file):
//   npm install --prefix /opt/shots playwright-core
//   SERVE=1 DB=openproject_demo make demo &      # leaves Odoo on http://127.0.0.1:8069
//   NODE_PATH=/opt/shots/node_modules node scripts/screenshots.js
// Environment: ODOO_URL (default http://127.0.0.1:8069), ODOO_DB (default openproject_demo),
// ODOO_LOGIN / ODOO_PASSWORD (admin / admin), CHROMIUM (default /usr/bin/chromium),
// TASK (the work package subject to show, default "Set up staging server": it has a comment
// and an update), OUT (default docs/screenshots), CHECK=0 to skip pressing "Check connection"
// on the backend first (that needs the simulator, which `SERVE=1 make demo` keeps running).
'use strict';

const path = require('path');
const { chromium } = require('playwright-core');

const url = (process.env.ODOO_URL || 'http://127.0.0.1:8069').replace(/\/$/, '');
const db = process.env.ODOO_DB || 'openproject_demo';
const login = process.env.ODOO_LOGIN || 'admin';
const password = process.env.ODOO_PASSWORD || 'admin';
const taskName = process.env.TASK || 'Set up staging server';
const out = process.env.OUT || path.join(__dirname, '..', 'docs', 'screenshots');

// One JSON-RPC call through the logged-in page's session.
async function rpc(page, model, method, args, kwargs) {
    return page.evaluate(async ([model, method, args, kwargs]) => {
        const res = await fetch('/web/dataset/call_kw', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: {
                model, method, args, kwargs: kwargs || {} } }),
        });
        const body = await res.json();
        if (body.error) { throw new Error(JSON.stringify(body.error)); }
        return body.result;
    }, [model, method, args, kwargs]);
}

async function xmlid(page, name) {
    const [module, ident] = name.split('.');
    const rows = await rpc(page, 'ir.model.data', 'search_read',
        [[['module', '=', module], ['name', '=', ident]]], { fields: ['res_id'] });
    if (!rows.length) { throw new Error('no record ' + name); }
    return rows[0].res_id;
}

// Opens a form in the web client and waits until it (and its chatter) rendered.
async function openForm(page, model, id, action, menu) {
    await page.goto(`${url}/web#id=${id}&view_type=form&model=${model}` +
                    `&action=${action}&menu_id=${menu}`);
    await page.waitForSelector('.o_form_view', { state: 'visible' });
    // (no 'networkidle': the web client keeps a long-polling request open)
    await page.waitForSelector('.o_form_sheet', { state: 'visible' });
    // Odoo's onboarding tours put tip bubbles over the page: hide them.
    await page.addStyleTag({ content: '.o_tooltip { display: none !important; }' });
    await page.waitForTimeout(1500);
    const dialogs = await page.$$('.modal .o_dialog_warning, .modal .o_error_detail, .o_dialog_error');
    if (dialogs.length) { throw new Error(`an error dialog is open on ${model} ${id}`); }
}

(async () => {
    const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(`${url}/web/login?db=${encodeURIComponent(db)}`);
        await page.fill('input[name=login]', login);
        await page.fill('input[name=password]', password);
        await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
        await page.waitForSelector('.o_main_content, .o_content', { state: 'attached' });

        const menu = await xmlid(page, 'connector_openproject.menu_openproject_root');

        // (a) the backend form
        const backendAction = await xmlid(page, 'connector_openproject.action_openproject_backend');
        const backends = await rpc(page, 'openproject.backend', 'search', [[]], { limit: 1 });
        if (process.env.CHECK !== '0') {
            await rpc(page, 'openproject.backend', 'action_check_connection', [backends]);
        }
        await openForm(page, 'openproject.backend', backends[0], backendAction, menu);
        await page.screenshot({ path: path.join(out, 'backend_form.png') });

        // (b) an imported task with its OpenProject messages
        const tasks = await rpc(page, 'project.task', 'search',
            [[['name', '=', taskName], ['openproject_bind_ids', '!=', false]]], { limit: 1 });
        if (!tasks.length) { throw new Error(`no imported task named "${taskName}"`); }
        const taskAction = await xmlid(page, 'project.action_view_task');
        await openForm(page, 'project.task', tasks[0], taskAction, menu);
        await page.waitForSelector('.o_mail_thread .o_thread_message', { state: 'visible' });
        await page.screenshot({ path: path.join(out, 'task_messages.png'), fullPage: true });
    } finally {
        await browser.close();
    }
})().catch((err) => { console.error(err); process.exit(1); });
