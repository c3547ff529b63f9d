import { mount } from 'svelte'
import App from './App.svelte'
import './app.css'
import { i18n } from './lib/i18n.svelte.ts'
import './lib/pwa.ts'
import { theme } from './lib/theme.svelte.ts'

// Before the first paint: the right colours and language from the start.
theme.start()
document.documentElement.lang = i18n.language

const target = document.getElementById('app')
if (target === null) throw new Error('index.html has no #app element')
mount(App, { target })
