import type { Consent } from '../../shared/oauth.js';
import { formatDate, useLocale } from './i18n';

/** The organisations (Azure AD tenants) that gave the "Office365 Consent", for those who may give it. */
export function ConsentList({ consents }: { consents: Consent[] }) {
  const { t, language } = useLocale();
  if (consents.length === 0) return null;
  return (
    <section class="consents" aria-labelledby="consents-title">
      <h2 id="consents-title">{t('consent.title')}</h2>
      <ul>
        {consents.map((c) => (
          <li key={c.tenant} data-tenant={c.tenant}>
            {t('consent.given', [
              c.tenant,
              formatDate(language, c.consentedAt) ?? c.consentedAt,
              c.consentedBy,
            ])}
          </li>
        ))}
      </ul>
    </section>
  );
}
