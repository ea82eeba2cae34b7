/** The demo workspace's records: a small company's cycle, from campaign to case. */
export const DEMO_DATA = {
  accounts: {
    northwind: {
      name: 'Northwind Traders', website: 'https://www.northwind.example', industry: 'Wholesale',
      type: 'customer', phone: '+1 206 555 0100', annualRevenue: '48000000.00', currency: 'USD',
      numberOfEmployees: 320,
      billingAddress: {
        street: '4 Harbor Way', city: 'Seattle', region: 'WA', postalCode: '98101', country: 'US'
      }
    },
    contoso: {
      name: 'Contoso Pharmaceuticals', website: 'https://contoso.example', industry: 'Healthcare',
      type: 'prospect', numberOfEmployees: 1800, annualRevenue: '210000000.00', currency: 'USD'
    },
    fabrikam: {
      name: 'Fabrikam Robotics', website: 'https://fabrikam.example', industry: 'Manufacturing',
      type: 'customer', numberOfEmployees: 95,
      billingAddress: {
        street: 'Industriestr. 12', city: 'Stuttgart', postalCode: '70565', country: 'DE'
      }
    },
    tailspin: {
      name: 'Tailspin Toys', website: 'https://tailspin.example', industry: 'Retail',
      type: 'partner'
    },
    litware: {
      name: 'Litware Components', website: 'https://litware.example', industry: 'Electronics',
      type: 'vendor'
    }
  },
  contacts: {
    nancy: {
      account: 'northwind', firstName: 'Nancy', lastName: 'Davolio',
      email: 'nancy.davolio@northwind.example', title: 'Head of Purchasing',
      phone: '+1 206 555 0101'
    },
    andrew: {
      account: 'northwind', firstName: 'Andrew', lastName: 'Fuller',
      email: 'andrew.fuller@northwind.example', title: 'VP Sales'
    },
    pat: {
      account: 'contoso', firstName: 'Pat', lastName: 'Ortiz',
      email: 'pat.ortiz@contoso.example', title: 'CIO', department: 'IT'
    },
    kim: {
      account: 'fabrikam', firstName: 'Kim', lastName: 'Akers',
      email: 'kim.akers@fabrikam.example', title: 'Operations Manager'
    },
    lee: {
      account: 'tailspin', firstName: 'Lee', lastName: 'Chen',
      email: 'lee.chen@tailspin.example', title: 'Partner Manager', emailOptOut: true
    }
  },
  campaigns: {
    webinar: {
      name: 'Spring automation webinar', type: 'webinar', status: 'completed',
      startDate: '2026-03-10', endDate: '2026-03-10', budget: '4000.00', actualCost: '3650.00',
      expectedRevenue: '60000.00'
    },
    newsletter: {
      name: 'December newsletter', type: 'email', status: 'planned', startDate: '2026-12-15',
      subject: 'What is new this winter, {{firstName}}', fromName: 'Demo Company',
      fromEmail: 'news@demo.example.com',
      textBody: 'Hello {{firstName}}, here is our winter update.'
    }
  },
  leads: [
    {
      firstName: 'Maria', lastName: 'Anders', email: 'maria@alfreds.example',
      company: 'Alfreds Futterkiste', source: 'web', status: 'open', rating: 'warm',
      campaign: 'webinar'
    },
    {
      firstName: 'Ana', lastName: 'Trujillo', email: 'ana@trujillo.example',
      company: 'Ana Trujillo Emparedados', source: 'event', status: 'contacted', rating: 'hot',
      estimatedAmount: '18000.00', campaign: 'webinar'
    },
    {
      firstName: 'Thomas', lastName: 'Hardy', email: 'thomas@around-the-horn.example',
      company: 'Around the Horn', source: 'referral', status: 'qualified', rating: 'hot',
      estimatedAmount: '42000.00'
    },
    {
      firstName: 'Christina', lastName: 'Berglund', email: 'christina@berglunds.example',
      company: 'Berglunds snabbköp', source: 'advertisement', status: 'unqualified',
      rating: 'cold'
    },
    {
      firstName: 'Hanna', lastName: 'Moos', email: 'hanna@blauer-see.example',
      company: 'Blauer See Delikatessen', source: 'campaign', status: 'open',
      campaign: 'webinar'
    },
    {
      firstName: 'Frédérique', lastName: 'Citeaux', email: 'frederique@blondel.example',
      company: 'Blondel père et fils', source: 'partner', status: 'contacted', rating: 'warm'
    }
  ] as { campaign?: string, [field: string]: unknown }[],
  products: {
    platform: {
      name: 'Automation Platform (annual seat)', sku: 'AP-SEAT-1Y', unitPrice: '1200.00',
      cost: '180.00', category: 'Software', unitOfMeasure: 'seat'
    },
    onboarding: {
      name: 'Onboarding package', sku: 'SRV-ONB', unitPrice: '5000.00', category: 'Services',
      isTaxable: false
    },
    sensor: {
      name: 'Line sensor kit', sku: 'HW-SENS-04', unitPrice: '349.00', cost: '120.00',
      category: 'Hardware', vendorName: 'Litware Components'
    }
  },
  opportunities: [
    {
      name: 'Northwind: 150 seats', account: 'northwind', contact: 'nancy',
      stage: 'negotiation', amount: '180000.00', closeDate: '2026-12-20',
      type: 'existing_business'
    },
    {
      name: 'Contoso pilot', account: 'contoso', contact: 'pat', stage: 'proposal',
      amount: '36000.00', closeDate: '2027-01-31', type: 'new_business', campaign: 'webinar',
      source: 'campaign'
    },
    {
      name: 'Fabrikam sensors', account: 'fabrikam', contact: 'kim', stage: 'qualification',
      amount: '12500.00', closeDate: '2027-02-28', type: 'new_business'
    },
    {
      name: 'Fabrikam renewal 2026', account: 'fabrikam', contact: 'kim', stage: 'closed_won',
      amount: '24000.00', closeDate: '2026-06-30', type: 'renewal'
    },
    {
      name: 'Tailspin reseller deal', account: 'tailspin', contact: 'lee', stage: 'closed_lost',
      amount: '15000.00', closeDate: '2026-09-15', type: 'new_business',
      lossReason: 'Chose a competitor with a lower price'
    }
  ] as { account: string, contact?: string, campaign?: string, [field: string]: unknown }[],
  cases: [
    {
      subject: 'Cannot sign in after password reset', account: 'northwind', contact: 'andrew',
      product: 'platform', priority: 'high', type: 'incident', origin: 'email',
      status: 'in_progress'
    },
    {
      subject: 'Sensor readings drift after firmware update', account: 'fabrikam',
      contact: 'kim', product: 'sensor', priority: 'urgent', type: 'problem', origin: 'phone',
      status: 'escalated'
    },
    {
      subject: 'How do I export a report to CSV?', account: 'northwind', contact: 'nancy',
      priority: 'low', type: 'question', origin: 'web', status: 'resolved',
      resolution: 'Sent the export guide; reports have an Export button.'
    }
  ] as { account: string, contact: string, product?: string, [field: string]: unknown }[]
}
